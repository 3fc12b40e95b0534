// Operators' powers over accounts (create, list, disable, role, password, tokens) and over the
// per-user limit of assigned VMs. The last active admin cannot be disabled or demoted: that
// would lock every operator out until someone edits the database.
import { DispatcherError } from '../domain/errors.js';
import type { AuthService } from '../services/auth-service.js';
import type { AdminStore, UserLimit } from '../store/admin-store.js';
import type { Role, User, UserStore } from '../store/user-store.js';
import type { AdmissionGuard } from './admission-guard.js';
import type { Actor, AuditService } from './audit-service.js';

export interface UserLimitView extends UserLimit {
  /** VMs assigned to the user right now, over every cloud. */
  held: number;
}

export class UserAdminService {
  constructor(
    private readonly deps: { users: UserStore; auth: AuthService; admin: AdminStore; guard: AdmissionGuard; audit: AuditService },
  ) {}

  list(): Promise<User[]> {
    return this.deps.users.list();
  }

  async get(username: string): Promise<User> {
    const user = await this.deps.users.findByName(username);
    if (!user) throw new DispatcherError('not-found', `no user ${username}`, { subject: 'user' });
    const { passwordHash: _hash, ...plain } = user;
    return plain;
  }

  create(actor: Actor, input: { username: string; password: string; role: Role }): Promise<User> {
    return this.deps.audit.run(actor, 'user.create', input.username, { role: input.role }, () =>
      this.deps.auth.createUser(input.username, input.password, input.role),
    );
  }

  update(actor: Actor, username: string, changes: { role?: Role; active?: boolean }): Promise<User> {
    return this.deps.audit.run(actor, 'user.update', username, { ...changes }, async () => {
      const user = await this.get(username);
      const losesAdmin = user.role === 'admin' && user.active && ((changes.role !== undefined && changes.role !== 'admin') || changes.active === false);
      // Count and change under one lock (the database's, across instances): two admins demoting
      // each other at once on two instances cannot both pass the count.
      const updated = await this.deps.guard.exclusive('admins', async () => {
        if (losesAdmin && (await this.activeAdmins()) <= 1) {
          throw new DispatcherError('conflict', `${username} is the last active admin: create or enable another admin first`, { code: 'LastAdmin' });
        }
        return this.deps.users.update(user.id, changes);
      });
      if (!updated) throw new DispatcherError('not-found', `no user ${username}`, { subject: 'user' });
      // A disabled account's tokens are dead already; revoking them keeps a re-enable from reviving them.
      if (changes.active === false) await this.deps.users.revokeAllTokens(user.id);
      return updated;
    });
  }

  /** Sets a new password and revokes every token issued under the old one. */
  resetPassword(actor: Actor, username: string, password: string): Promise<{ revokedTokens: number }> {
    return this.deps.audit.run(actor, 'user.password', username, {}, async () => {
      const user = await this.get(username);
      await this.deps.auth.setPassword(user.id, password);
      return { revokedTokens: await this.deps.users.revokeAllTokens(user.id) };
    });
  }

  revokeTokens(actor: Actor, username: string): Promise<{ revokedTokens: number }> {
    return this.deps.audit.run(actor, 'user.tokens.revoke', username, {}, async () => {
      const user = await this.get(username);
      return { revokedTokens: await this.deps.users.revokeAllTokens(user.id) };
    });
  }

  async limits(): Promise<UserLimitView[]> {
    const limits = await this.deps.admin.userLimits();
    return Promise.all(limits.map(async (limit) => ({ ...limit, held: await this.deps.guard.assignedTo(limit.user) })));
  }

  setLimit(actor: Actor, user: string, maxAssigned: number): Promise<UserLimitView> {
    return this.deps.audit.run(actor, 'user-limit.set', user, { maxAssigned }, async () => {
      await this.deps.admin.setUserLimit(user, maxAssigned, actor.username);
      const limit = await this.deps.admin.userLimit(user);
      if (!limit) throw new DispatcherError('internal', `user limit of ${user} was not stored`);
      return { ...limit, held: await this.deps.guard.assignedTo(user) };
    });
  }

  removeLimit(actor: Actor, user: string): Promise<void> {
    return this.deps.audit.run(actor, 'user-limit.remove', user, {}, async () => {
      if (!(await this.deps.admin.deleteUserLimit(user))) throw new DispatcherError('not-found', `no limit set for user ${user}`, { subject: 'user' });
    });
  }

  private async activeAdmins(): Promise<number> {
    return (await this.deps.users.list()).filter((u) => u.role === 'admin' && u.active).length;
  }
}
