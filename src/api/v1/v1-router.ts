// API v1: the original CRS4 dispatcher's dialect, route for route (see docs/v1-compatibility.md).
// Thin: parse and validate, call one service method, present.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { DispatcherError } from '../../domain/errors.js';
import type { AssignmentService } from '../../services/assignment-service.js';
import type { AuthService } from '../../services/auth-service.js';
import type { OwnershipService } from '../../services/ownership-service.js';
import type { VmRef, VmService } from '../../services/vm-service.js';
import type { CloudPool } from '../../pool/cloud-pool.js';
import { validate } from '../http/validate.js';
import { v1Envelope, v1ErrorHandler } from './v1-envelope.js';
import * as present from './v1-presenters.js';
import * as schemas from './v1-schemas.js';

export interface V1Deps {
  pool: CloudPool;
  vms: VmService;
  assignments: AssignmentService;
  auth: AuthService;
  ownership: OwnershipService;
  authenticate: RequestHandler;
  integerStates: boolean;
}

const notImplemented: RequestHandler = (_req, res) => {
  res.status(501).json(v1Envelope(501, 'Not implemented'));
};

function cloudParam(req: Request): string | undefined {
  const cloud = req.params.cloud;
  return typeof cloud === 'string' ? cloud : undefined;
}

function nodeRef(body: { node?: string; hostname?: string }): VmRef {
  if (!body.node && !body.hostname) throw new DispatcherError('bad-request', 'no valid node id nor hostname here', { code: 'NoNodeRef' });
  return { node: body.node, hostname: body.hostname };
}

export function v1Router(deps: V1Deps): Router {
  const { pool, vms, assignments, ownership, integerStates } = deps;
  const router = Router();
  const ok = (res: Response, body: Record<string, unknown>) => res.json({ status: 'ok', ...body });

  // Public routes.
  router.get('/', (_req, res) => ok(res, {}));
  router.post('/', (_req, res) => ok(res, {}));
  router.all('/', notImplemented);
  // Throttled in AuthService, per username and per client, with counters v2 shares.
  router.post('/auth', async (req, res) => {
    const body = validate<{ username: string; password: string }>(schemas.authBody, req.body);
    const { token } = await deps.auth.login(body.username, body.password, req.ip);
    ok(res, { status_code: 200, token });
  });
  router.all('/auth', notImplemented);

  // Everything below needs a token.
  router.use(deps.authenticate);

  router.get('/cloud', (_req, res) => ok(res, { served_cloud: pool.list().map(present.presentCloud) }));
  router.all('/cloud', notImplemented);

  router.get('/vm/status{/:cloud}', async (req, res) => {
    const cloud = pool.resolve(cloudParam(req));
    ok(res, { nodes: await ownership.visibleRecords(req.user, await assignments.status(cloud)) });
  });

  // The original served start and stop from one view: POST created and PUT destroyed on both paths.
  const start: RequestHandler = async (req, res) => {
    const cloud = pool.resolve(cloudParam(req));
    const body = validate<{ name: string; image: string; size: string; keyname?: string; metadata?: Record<string, string>; emulate?: unknown }>(
      schemas.startBody,
      req.body,
    );
    if (schemas.isTruthy(body.emulate)) return ok(res, { nodes: present.emulatedNode(body.name, cloud, integerStates) });
    const vm = await vms.start(cloud, { name: body.name, image: body.image, size: body.size, keyName: body.keyname, metadata: body.metadata }, { userId: req.user?.id });
    ok(res, { nodes: present.presentNode(vm, cloud, integerStates) });
  };
  const stop: RequestHandler = async (req, res) => {
    const cloud = pool.resolve(cloudParam(req));
    const body = validate<{ node?: string; hostname?: string; emulate?: unknown }>(schemas.stopBody, req.body);
    if (schemas.isTruthy(body.emulate)) return res.json(present.EMULATED.stop);
    const ref = await ownership.vmRef(req.user, cloud, nodeRef(body));
    const vm = await vms.destroy(cloud, ref, { userId: req.user?.id });
    ok(res, { result: `Node ${vm.id} deleted` });
  };
  for (const path of ['/vm/start{/:cloud}', '/vm/stop{/:cloud}']) {
    router.post(path, start);
    router.put(path, stop);
    router.all(path, notImplemented);
  }

  router.put('/vm/action/:action{/:cloud}', async (req, res, next) => {
    const action = req.params.action;
    if (action !== 'assign' && action !== 'release') return next();
    const cloud = pool.resolve(cloudParam(req));
    if (action === 'assign') {
      const body = validate<{ node?: string; hostname?: string; user: string; vm_type: string; emulate?: unknown }>(schemas.assignBody, req.body);
      nodeRef(body);
      if (schemas.isTruthy(body.emulate)) return res.json(present.EMULATED.assign);
      ownership.checkAssignee(req.user, body.user);
      const ref = await ownership.vmRef(req.user, cloud, nodeRef(body));
      return ok(res, { ...(await assignments.assign(cloud, { ...ref, user: body.user, vmType: body.vm_type })) });
    }
    const body = validate<{ node?: string; hostname?: string; emulate?: unknown }>(schemas.releaseBody, req.body);
    nodeRef(body);
    if (schemas.isTruthy(body.emulate)) return res.json(present.EMULATED.release);
    const ref = await ownership.vmRef(req.user, cloud, nodeRef(body));
    ok(res, { ...(await assignments.release(cloud, ref, { userId: req.user?.id })) });
  });
  router.all('/vm/action/:action{/:cloud}', notImplemented);

  for (const [path, open] of [['/fw/open{/:cloud}', true], ['/fw/close{/:cloud}', false]] as const) {
    router.put(path, async (req, res) => {
      const cloud = pool.resolve(cloudParam(req));
      const body = validate<{ node?: string; hostname?: string; port: number; protocol: 'tcp' | 'udp' | 'icmp'; cidr: string }>(
        schemas.firewallBody,
        req.body,
      );
      const ref = await ownership.vmRef(req.user, cloud, nodeRef(body));
      const rule = { port: body.port, protocol: body.protocol ?? 'tcp', cidr: body.cidr ?? '0.0.0.0/0' };
      const vm = await vms.firewall(cloud, ref, rule, open, { userId: req.user?.id });
      ok(res, { result: `Port ${rule.port}/${rule.protocol} ${open ? 'opened' : 'closed'} for ${rule.cidr} on node ${vm.id}` });
    });
    router.all(path, notImplemented);
  }

  router.get('/:action{/:cloud}', async (req, res) => {
    const action = req.params.action;
    const lists: Record<string, () => Promise<Record<string, unknown>>> = {
      nodes: async () => {
        const cloud = pool.resolve(cloudParam(req));
        const [all, visible] = await Promise.all([vms.listVms(cloud), ownership.visibleVmIds(req.user, cloud.name)]);
        const shown = visible ? all.filter((vm) => visible.has(vm.id)) : all;
        return { nodes: shown.map((vm) => present.presentNode(vm, cloud, integerStates)) };
      },
      images: async () => {
        const cloud = pool.resolve(cloudParam(req));
        return { images: (await vms.listImages(cloud)).map((i) => present.presentImage(i, cloud)) };
      },
      flavors: async () => {
        const cloud = pool.resolve(cloudParam(req));
        return { flavors: (await vms.listSizes(cloud)).map((s) => present.presentFlavor(s, cloud)) };
      },
      tenants: async () => {
        const cloud = pool.resolve(cloudParam(req));
        return { tenants: (await vms.listTenants(cloud)).map((t) => present.presentTenant(t, cloud)) };
      },
    };
    lists.sizes = lists.flavors;
    const list = Object.hasOwn(lists, action) ? lists[action] : undefined;
    if (!list) throw new DispatcherError('bad-request', 'Unrecognized action found', { code: 'UnknownAction' });
    ok(res, await list());
  });
  router.all('/:action{/:cloud}', notImplemented);

  router.use((_req: Request, res: Response) => {
    res.status(404).json(v1Envelope(404, 'Page not found'));
  });
  router.use(v1ErrorHandler());
  return router;
}

