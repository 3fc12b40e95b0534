// The dashboard in a real browser (Debian's chromium, headless) against a real dispatcher process
// with fake clouds: an admin signs in, sees the clouds, starts a VM and watches it run, assigns
// and releases it, creates a cluster of 2, scales it to 3 and deletes it, disables a cloud; a user (through a reverse proxy with a path prefix, at phone
// width) then sees that start refused, no admin page, and VMs exactly as the API lists them. Every page: a screenshot (.tmp/e2e-screenshots,
// git-ignored), axe-core's WCAG 2.1 AA rules, and no console error.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { axeViolations, chromiumPresent, launchChromium, startDispatcher, startPrefixProxy, type Browser, type DispatcherProcess } from '../support/browser-harness.js';

const SHOTS = join('.tmp', 'e2e-screenshots');
const skip = !chromiumPresent() && !process.env.CI ? 'chromium is not installed (/usr/bin/chromium; apt-get install chromium): the browser test is skipped outside CI' : false;

const CONFIG = `
reconciler: { intervalMs: 0, startupPollMs: 250, settingsSyncMs: 0 }
tracker: { pollIntervalMs: 100 }
clouds:
  - name: default
    driver: fake
    default: true
    options: { latencyMs: 5, bootDelayMs: 800, destroyDelayMs: 200, preload: { count: 10000 } }
  - name: fake-east
    driver: fake
    aliases: [east]
    options: { latencyMs: 5, bootDelayMs: 800, destroyDelayMs: 200 }
`;

let dispatcher: DispatcherProcess;
let browser: Browser;
let proxy: Awaited<ReturnType<typeof startPrefixProxy>>;
const USER = { username: 'alice', password: 'alice-password-1' };

describe('the dashboard in chromium', { skip }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dispatcher = await startDispatcher(CONFIG);
    browser = await launchChromium();
    proxy = await startPrefixProxy(dispatcher.baseUrl, '/dispatcher');
    const admin = await dispatcher.login('admin', dispatcher.adminPassword);
    assert.equal((await dispatcher.api(admin, 'POST', '/admin/users', { ...USER, role: 'user' })).status, 201);
  });
  after(async () => {
    await browser?.close();
    await proxy?.close();
    await dispatcher?.stop();
  });

  /** The page as it is: screenshot, then the accessibility rules. */
  async function check(page: Awaited<ReturnType<Browser['newPage']>>, name: string) {
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
    assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  }

  async function signIn(page: Awaited<ReturnType<Browser['newPage']>>, username: string, password: string, base = dispatcher.baseUrl) {
    await page.goto(`${base}/ui`);
    assert.match(page.url(), /\/ui\/$/);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  }

  it('lets an admin start, watch, assign and release a VM, and disable a cloud', async (t) => {
    const page = await browser.newPage('admin');
    await page.goto(`${dispatcher.baseUrl}/ui/`);
    await check(page, 'login');
    await signIn(page, 'admin', dispatcher.adminPassword);
    const cards = page.getByRole('list', { name: 'Clouds' });
    await cards.getByRole('link', { name: 'default' }).waitFor();
    await cards.getByRole('link', { name: 'fake-east' }).waitFor();
    await check(page, 'overview');
    await page.emulateMedia({ colorScheme: 'dark' });
    await check(page, 'overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    const opened = Date.now();
    await cards.getByRole('link', { name: 'default' }).click();
    await page.getByRole('heading', { level: 1, name: 'VMs on default' }).waitFor();
    await page.getByRole('button', { name: 'Next page', disabled: false }).click();
    await page.getByText('Page 2 ·').waitFor();
    t.diagnostic(`10,000 VMs: first page and the next shown in ${Date.now() - opened} ms`);
    assert.equal(await page.locator('tbody tr').count(), 50, 'one API page of the 10,000 preloaded VMs');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText('Page 1 ·').waitFor();
    await page.getByRole('button', { name: 'Start a VM' }).click();
    const dialog = page.getByRole('dialog', { name: 'Start a VM on default' });
    await dialog.getByLabel('Name').fill('e2e-worker');
    await dialog.getByLabel('Image').selectOption('debian-12');
    await dialog.getByLabel('Size').selectOption('m1.medium');
    await check(page, 'vms-start-form');
    await dialog.getByRole('button', { name: 'Start' }).click();
    const progress = page.getByRole('region', { name: 'Your recent actions' });
    await progress.locator('li.operation', { hasText: 'start e2e-worker' }).getByText('succeeded', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByLabel('Name (exact)').fill('e2e-worker');
    await page.getByRole('button', { name: 'Apply' }).click();
    const row = page.getByRole('row', { name: /e2e-worker/ });
    await row.getByText('running', { exact: true }).waitFor({ timeout: 20_000 });
    await row.getByText('FREE').waitFor();

    await row.getByRole('button', { name: 'Assign e2e-worker' }).click();
    const assign = page.getByRole('dialog', { name: 'Assign e2e-worker' });
    await assign.getByLabel('User').fill(USER.username);
    await assign.getByLabel('VM type').fill('render');
    await assign.getByRole('button', { name: 'Assign' }).click();
    await page.getByText('e2e-worker assigned to alice').waitFor();
    await row.getByText('ASSIGNED').waitFor({ timeout: 10_000 });
    await check(page, 'vms-assigned');
    await row.getByRole('button', { name: 'Release e2e-worker' }).click();
    await progress.locator('li.operation', { hasText: 'release e2e-worker' }).getByText('succeeded', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByText('No VM matches.').waitFor({ timeout: 10_000 });

    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByText('vm.release').first().waitFor();
    await page.getByText('vm.start').first().waitFor();
    await check(page, 'operations');

    await page.getByRole('link', { name: 'Status', exact: true }).click();
    await page.getByRole('img', { name: /Startup time per cloud and image/ }).waitFor({ timeout: 10_000 });
    await page.getByRole('rowheader', { name: 'default · img-debian-12' }).waitFor();
    await check(page, 'status');

    await page.getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('heading', { level: 1, name: 'Clusters' }).waitFor();
    await page.getByText('No cluster yet.').waitFor();
    await page.getByRole('button', { name: 'Create a cluster' }).click();
    const create = page.getByRole('dialog', { name: 'Create a cluster' });
    await create.getByLabel('Name').fill('e2e-cluster');
    await create.getByLabel('Number of VMs').fill('2');
    await create.getByLabel('Image').selectOption('debian-12');
    await create.getByLabel('VM size').selectOption('m1.small');
    await create.getByLabel('Spread over the clouds').check();
    await check(page, 'clusters-create-form');
    await create.getByRole('button', { name: 'Create' }).click();
    await progress.locator('li.operation', { hasText: 'create e2e-cluster' }).getByText('succeeded', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole('row', { name: /e2e-cluster/ }).getByText('ready', { exact: true }).waitFor({ timeout: 10_000 });
    await check(page, 'clusters');
    await page.getByRole('link', { name: 'e2e-cluster' }).click();
    await page.getByRole('heading', { level: 1, name: 'Cluster e2e-cluster' }).waitFor();
    const facts = page.locator('dl.facts');
    await facts.getByText('ready', { exact: true }).waitFor({ timeout: 10_000 });
    await page.getByRole('heading', { name: 'Members (2)' }).waitFor();
    const members = page.locator('tr.member');
    assert.equal(await members.count(), 2);
    await members.first().getByText('FREE').waitFor({ timeout: 10_000 });
    await check(page, 'cluster-detail');
    await page.getByLabel('New size').fill('3');
    await page.getByRole('button', { name: 'Scale', exact: true }).click();
    await progress.locator('li.operation', { hasText: 'scale e2e-cluster to 3' }).getByText('succeeded', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole('heading', { name: 'Members (3)' }).waitFor({ timeout: 10_000 });
    await facts.getByText('3 active of 3 desired').waitFor();
    await facts.getByText('ready', { exact: true }).waitFor({ timeout: 10_000 });
    const clusterId = (await facts.locator('code').textContent()) ?? '';
    const adminToken = await page.evaluate(() => JSON.parse(sessionStorage.getItem('cloud-dispatcher.session') ?? '{}').token);
    const shown = await dispatcher.api(adminToken, 'GET', `/clusters/${clusterId}`);
    assert.deepEqual(shown.body.members.map((m: any) => m.vmId).sort(), (await members.locator('th code').allTextContents()).sort(), 'the members shown are the API\'s');
    await page.getByRole('button', { name: 'Delete e2e-cluster' }).click();
    await progress.locator('li.operation', { hasText: 'delete e2e-cluster' }).getByText('succeeded', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByText('This cluster does not exist').waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'All clusters' }).click();
    await page.getByText('No cluster yet.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'e2e-cluster' }).count(), 0, 'the deleted cluster is gone from the list');
    assert.equal((await dispatcher.api(adminToken, 'GET', `/clusters/${clusterId}`)).status, 404);

    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('button', { name: 'Disable fake-east' }).click();
    await page.getByText('disable fake-east: done').waitFor();
    await page.getByRole('button', { name: 'Enable fake-east' }).waitFor();
    await check(page, 'admin-clouds');
    await page.getByRole('link', { name: 'Users and limits' }).click();
    await page.getByRole('rowheader', { name: 'alice' }).waitFor();
    await check(page, 'admin-users');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('cell', { name: 'cloud.update' }).first().waitFor();
    await check(page, 'admin-audit');

    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('cloud-dispatcher.session') ?? '{}').token);
    assert.equal((await dispatcher.api(token, 'GET', '/clouds')).status, 200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal((await dispatcher.api(token, 'GET', '/clouds')).status, 401, 'signing out revoked the token');
    await page.close();
  });

  it("shows a user only what the API gives that user, and the disabled cloud's refusal", async () => {
    const page = await browser.newPage('user', { width: 390, height: 844 });
    const adminCalls: string[] = [];
    page.on('request', (req) => void (req.url().includes('/api/v2/admin') && adminCalls.push(req.url())));
    // By keyboard alone: the form takes Tab and Enter.
    await page.goto(`${proxy.baseUrl}/ui`);
    await page.getByLabel('Username').focus();
    await page.keyboard.type(USER.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(USER.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    assert.match(page.url(), /\/dispatcher\/ui\/#\/?$|\/dispatcher\/ui\/$/);
    await page.getByRole('list', { name: 'Clouds' }).getByRole('link', { name: 'fake-east' }).waitFor();
    await check(page, 'overview-user-phone');
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count(), 0, 'no admin page for a user');
    await page.goto(`${proxy.baseUrl}/ui/#/admin`);
    await page.getByText('This page needs the admin role.').waitFor();

    // The cloud holds 10,000 VMs started outside the dispatcher (the admins') and one the user started.
    const token = await dispatcher.login(USER.username, USER.password);
    const own = await dispatcher.api(token, 'POST', '/clouds/default/vms?wait=true', { name: 'user-own-1', image: 'ubuntu-24.04', size: 'm1.small' });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    await page.goto(`${proxy.baseUrl}/ui/#/vms/default`);
    await page.getByRole('heading', { level: 1, name: 'VMs on default' }).waitFor();
    await page.getByRole('button', { name: 'Next page' }).waitFor();
    await page.locator('tbody th code').first().waitFor();
    const listed = (await dispatcher.api(token, 'GET', '/clouds/default/vms?limit=50')).body.items.map((vm: any) => vm.id);
    const shown = await page.locator('tbody th code').allTextContents();
    assert.deepEqual(shown, listed, "the table is the API's first page for this user");
    assert.deepEqual(shown, [own.body.id], "the user sees their own VM and none of the admins' 10,000");
    await check(page, 'vms-user-phone');

    await page.goto(`${proxy.baseUrl}/ui/#/clusters`);
    await page.getByText('No cluster yet.').waitFor();
    await page.getByRole('button', { name: 'Create a cluster' }).click();
    await page.getByRole('dialog', { name: 'Create a cluster' }).getByLabel('Image').selectOption('ubuntu-24.04');
    await check(page, 'clusters-create-user-phone');
    await page.keyboard.press('Escape');

    await page.goto(`${proxy.baseUrl}/ui/#/vms/fake-east`);
    await page.getByText('fake-east is disabled by an operator').waitFor();
    await page.getByRole('button', { name: 'Start a VM' }).click();
    const dialog = page.getByRole('dialog', { name: 'Start a VM on fake-east' });
    await dialog.getByLabel('Name').fill('refused-worker');
    await dialog.getByRole('button', { name: 'Start' }).click();
    await dialog.getByRole('alert').getByText(/disabled/).waitFor();
    await check(page, 'vms-start-refused');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(adminCalls, [], 'the user interface never called an admin route');
    await page.close();
  });

  it('wrote no console error but the refused start', () => {
    const unexpected = browser.errors.filter((e) => !(e.page === 'user' && /status of 503/.test(e.text)));
    assert.deepEqual(unexpected, []);
    assert.ok(browser.errors.some((e) => /status of 503/.test(e.text)), 'the refusal is seen (the filter above is not vacuous)');
  });
});
