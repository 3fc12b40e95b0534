// The servers of the test cloud and their life cycle. Transitions are due at a time and applied
// when the server is next looked at (as the fake driver does), so no timers outlive a test.
import { randomUUID } from 'node:crypto';
import { TEST_CLOUD } from './keystone-routes.js';
import { compareVersions, fixture, novaFault, type Reply } from './openstack-route-kit.js';

export interface TestImage {
  id: string;
  name: string;
  /** Servers booted from it end in ERROR with a fault. */
  failBoot?: boolean;
  /** Saved from a server by createImage: `saving` until this time, then `active`. */
  activeAt?: number;
  metadata?: Record<string, string>;
}

export interface TestFlavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
}

export interface Timing {
  bootDelayMs: number;
  actionDelayMs: number;
  deleteDelayMs: number;
}

interface Transition {
  at: number;
  status: string;
  taskState: string | null;
  gone?: boolean;
}

export interface ServerRecord {
  id: string;
  name: string;
  status: string;
  taskState: string | null;
  imageId: string;
  flavor: TestFlavor;
  keyName: string | null;
  metadata: Record<string, string>;
  securityGroups: string[];
  availabilityZone: string;
  userData?: string;
  created: string;
  serial: number;
  fault?: { code: number; message: string; created: string };
  next?: Transition;
}

export const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

export class NovaServers {
  private readonly records = new Map<string, ServerRecord>();
  private serial = 0;

  constructor(private readonly timing: () => Timing) {}

  create(fields: Omit<ServerRecord, 'id' | 'status' | 'taskState' | 'created' | 'serial'>, failBoot: boolean): ServerRecord {
    const now = Date.now();
    const record: ServerRecord = {
      ...fields,
      id: randomUUID(),
      status: 'BUILD',
      taskState: 'spawning',
      created: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'),
      serial: ++this.serial,
      next: { at: now + this.timing().bootDelayMs, status: failBoot ? 'ERROR' : 'ACTIVE', taskState: null },
    };
    if (failBoot) record.fault = { code: 500, message: NO_VALID_HOST, created: record.created };
    this.records.set(record.id, record);
    return record;
  }

  /** Adds running servers at once (pagination tests). */
  seed(count: number, prefix: string, flavor: TestFlavor, imageId: string): void {
    for (let i = 0; i < count; i++) {
      const record = this.create(
        { name: `${prefix}-${i}`, imageId, flavor, keyName: null, metadata: {}, securityGroups: ['default'], availabilityZone: 'nova' },
        false,
      );
      record.next = undefined;
      record.status = 'ACTIVE';
      record.taskState = null;
    }
  }

  get(id: string): ServerRecord | undefined {
    const record = this.records.get(id);
    return record && this.settle(record) ? record : undefined;
  }

  /** Newest first, as Nova sorts by default (created_at desc). */
  list(): ServerRecord[] {
    return [...this.records.values()].filter((r) => this.settle(r)).sort((a, b) => b.serial - a.serial);
  }

  /** A server action; a reply when Nova would refuse it in this state. */
  act(record: ServerRecord, action: 'reboot' | 'os-start' | 'os-stop'): Reply | undefined {
    const { actionDelayMs } = this.timing();
    const at = Date.now() + actionDelayMs;
    const busy = record.taskState !== null;
    const refuse = (verb: string) =>
      novaFault(409, 'conflictingRequest', `Cannot '${verb}' instance ${record.id} while it is in vm_state ${vmState(record.status)}`);
    if (action === 'os-stop') {
      if (record.status !== 'ACTIVE' || busy) return refuse('stop');
      record.taskState = 'powering-off';
      record.next = { at, status: 'SHUTOFF', taskState: null };
    } else if (action === 'os-start') {
      if (record.status !== 'SHUTOFF' || busy) return refuse('start');
      record.taskState = 'powering-on';
      record.next = { at, status: 'ACTIVE', taskState: null };
    } else {
      if (record.status !== 'ACTIVE' || busy) return refuse('reboot');
      record.status = 'REBOOT';
      record.taskState = 'reboot_started';
      record.next = { at, status: 'ACTIVE', taskState: null };
    }
    return undefined;
  }

  /** Makes the server's pending transition due now (tests that look at an intermediate state). */
  fastForward(id: string): void {
    const next = this.records.get(id)?.next;
    if (next) next.at = 0;
  }

  delete(record: ServerRecord): void {
    record.taskState = 'deleting';
    record.next = { at: Date.now() + this.timing().deleteDelayMs, status: 'DELETED', taskState: null, gone: true };
  }

  /** The server as GET /servers/{id} shows it at a microversion (sample as template). */
  view(record: ServerRecord, microversion: string, selfUrl: string): Record<string, unknown> {
    const server = fixture<{ server: Record<string, unknown> }>('nova/server-get-resp.json').server;
    const running = record.status !== 'BUILD' && record.status !== 'ERROR';
    const fixed = `10.0.${(record.serial >> 8) & 255}.${record.serial & 255}`;
    const floating = `203.0.113.${record.serial & 255}`;
    Object.assign(server, {
      id: record.id,
      name: record.name,
      status: record.status,
      'OS-EXT-STS:task_state': record.taskState,
      'OS-EXT-STS:vm_state': vmState(record.status),
      'OS-EXT-STS:power_state': record.status === 'ACTIVE' || record.status === 'REBOOT' ? 1 : record.status === 'SHUTOFF' ? 4 : 0,
      'OS-EXT-AZ:availability_zone': record.availabilityZone,
      addresses: running
        ? {
            private: [
              { addr: fixed, version: 4, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01' },
              { addr: floating, version: 4, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01' },
            ],
          }
        : {},
      created: record.created,
      updated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      image: { id: record.imageId, links: [{ href: `${selfUrl}/images/${record.imageId}`, rel: 'bookmark' }] },
      key_name: record.keyName,
      metadata: record.metadata,
      security_groups: record.securityGroups.map((name) => ({ name })),
      tenant_id: TEST_CLOUD.projectId,
      user_id: TEST_CLOUD.userId,
      'os-extended-volumes:volumes_attached': [],
      links: [{ href: `${selfUrl}/servers/${record.id}`, rel: 'self' }],
    });
    // From 2.47 the flavor is embedded, without its id.
    server.flavor =
      compareVersions(microversion, '2.47') >= 0
        ? { original_name: record.flavor.name, ram: record.flavor.ram, vcpus: record.flavor.vcpus, disk: record.flavor.disk, ephemeral: 0, swap: 0, extra_specs: {} }
        : { id: record.flavor.id, links: [{ href: `${selfUrl}/flavors/${record.flavor.id}`, rel: 'bookmark' }] };
    if (record.fault) server.fault = record.fault;
    return server;
  }

  /** Applies a due transition; false once the server is gone. */
  private settle(record: ServerRecord): boolean {
    const next = record.next;
    if (next && Date.now() >= next.at) {
      record.next = undefined;
      if (next.gone) {
        this.records.delete(record.id);
        return false;
      }
      record.status = next.status;
      record.taskState = next.taskState;
    }
    return true;
  }
}

function vmState(status: string): string {
  const map: Record<string, string> = { ACTIVE: 'active', BUILD: 'building', SHUTOFF: 'stopped', ERROR: 'error', REBOOT: 'active', DELETED: 'deleted' };
  return map[status] ?? status.toLowerCase();
}
