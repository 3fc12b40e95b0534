// The one place EC2 errors become DispatcherErrors. Keyed on the SDK's `err.name` (EC2's error
// code), Node's socket `code` and `$metadata.httpStatusCode` — never on message text, which AWS
// rewords at will. The provider's message is passed through, after the code, for humans only.
import { DispatcherError, type ErrorKind, type Subject } from '../../domain/errors.js';
import { transportFaultFor } from '../../domain/transport-faults.js';

interface Rule {
  kind: ErrorKind;
  subject?: Subject;
  /** For quota errors: which limit was reached, in words an operator can look up. */
  limit?: string;
}

const RULES: Readonly<Record<string, Rule>> = {
  'InvalidInstanceID.NotFound': { kind: 'not-found', subject: 'vm' },
  'InvalidInstanceID.Malformed': { kind: 'bad-request', subject: 'vm' },
  'InvalidAMIID.NotFound': { kind: 'bad-request', subject: 'image' },
  'InvalidAMIID.Malformed': { kind: 'bad-request', subject: 'image' },
  'InvalidAMIID.Unavailable': { kind: 'bad-request', subject: 'image' },
  'InvalidKeyPair.NotFound': { kind: 'bad-request', subject: 'keypair' },
  'InvalidKeyPair.Format': { kind: 'bad-request', subject: 'keypair' },
  InvalidInstanceType: { kind: 'bad-request', subject: 'size' },
  InvalidParameterValue: { kind: 'bad-request' },
  InvalidParameterCombination: { kind: 'bad-request' },
  InvalidParameter: { kind: 'bad-request' },
  MissingParameter: { kind: 'bad-request' },
  UnknownParameter: { kind: 'bad-request' },
  InvalidFilter: { kind: 'bad-request' },
  'InvalidUserData.Malformed': { kind: 'bad-request' },
  TagLimitExceeded: { kind: 'bad-request' },
  Unsupported: { kind: 'bad-request' },
  UnsupportedOperation: { kind: 'bad-request' },

  IncorrectInstanceState: { kind: 'conflict', subject: 'vm' },
  IncorrectState: { kind: 'conflict', subject: 'vm' },
  IdempotentParameterMismatch: { kind: 'conflict' },
  OperationNotPermitted: { kind: 'conflict' },
  'InvalidPermission.Duplicate': { kind: 'conflict' },
  'InvalidPermission.NotFound': { kind: 'not-found' },

  InstanceLimitExceeded: { kind: 'quota', limit: 'running instances of the account' },
  VcpuLimitExceeded: { kind: 'quota', limit: 'vCPUs of running instances of the account' },
  MaxSpotInstanceCountExceeded: { kind: 'quota', limit: 'spot instances of the account' },
  VolumeLimitExceeded: { kind: 'quota', limit: 'EBS volume storage of the account' },
  AddressLimitExceeded: { kind: 'quota', limit: 'Elastic IP addresses of the account' },
  RulesPerSecurityGroupLimitExceeded: { kind: 'quota', limit: 'rules per security group' },
  SecurityGroupLimitExceeded: { kind: 'quota', limit: 'security groups of the account' },

  RequestLimitExceeded: { kind: 'throttled' },
  Throttling: { kind: 'throttled' },
  InsufficientInstanceCapacity: { kind: 'unavailable' },
  InsufficientHostCapacity: { kind: 'unavailable' },
  InsufficientReservedInstanceCapacity: { kind: 'unavailable' },
  InsufficientAddressCapacity: { kind: 'unavailable' },
  Unavailable: { kind: 'unavailable' },
  ServiceUnavailable: { kind: 'unavailable' },

  // Credentials the dispatcher holds were refused: the client cannot fix that, the operator can.
  AuthFailure: { kind: 'provider-fault' },
  UnauthorizedOperation: { kind: 'provider-fault' },
  SignatureDoesNotMatch: { kind: 'provider-fault' },
  InvalidClientTokenId: { kind: 'provider-fault' },
  OptInRequired: { kind: 'provider-fault' },
  Blocked: { kind: 'provider-fault' },
  // Operator configuration the cloud does not know (default subnet, security groups).
  'InvalidSubnetID.NotFound': { kind: 'provider-fault' },
  'InvalidGroup.NotFound': { kind: 'provider-fault' },
  'InvalidSecurityGroupID.NotFound': { kind: 'provider-fault' },

  RequestExpired: { kind: 'credentials-expired' },
  ExpiredToken: { kind: 'credentials-expired' },
  ExpiredTokenException: { kind: 'credentials-expired' },

  // The SDK's own name for requestTimeout / connectionTimeout / socket inactivity.
  TimeoutError: { kind: 'timeout' },
  RequestTimeout: { kind: 'timeout' },
  RequestTimeoutException: { kind: 'timeout' },

  InternalError: { kind: 'provider-fault' },
  InternalFailure: { kind: 'provider-fault' },
};

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

/** The rule for an error, by EC2 code first, then socket code, then HTTP status. */
export function ec2ErrorRule(code: string | undefined, socketCode: string | undefined, status: number | undefined): Rule {
  if (code && Object.hasOwn(RULES, code)) return RULES[code];
  const socket = transportFaultFor(socketCode);
  if (socket) return { kind: socket.kind };
  if (status === 503) return { kind: 'unavailable' };
  if (status === 504) return { kind: 'timeout' };
  // Any other refusal by the cloud is the cloud's answer, not the client's mistake: 502.
  return { kind: 'provider-fault' };
}

/** Translates anything the EC2 client threw; a DispatcherError passes through unchanged. */
export function ec2Error(err: unknown): DispatcherError {
  if (err instanceof DispatcherError) return err;
  if (typeof err !== 'object' || err === null) return new DispatcherError('internal', String(err), { cause: err });
  const e = err as SdkLikeError;
  const name = typeof e.name === 'string' ? e.name : undefined;
  const socketCode = typeof e.code === 'string' ? e.code : undefined;
  const status = e.$metadata?.httpStatusCode;
  const fromCloud = status !== undefined || (name !== undefined && Object.hasOwn(RULES, name));
  const fromSocket = transportFaultFor(socketCode) !== undefined;
  // A plain programming error (TypeError …) is ours, not the cloud's.
  if (!fromCloud && !fromSocket) {
    return new DispatcherError('internal', typeof e.message === 'string' ? e.message : String(err), { cause: err });
  }
  // The SDK names an answer without an EC2 error document (a proxy's page) `Unknown`.
  const anonymous = !name || name === 'Error' || name === 'Unknown';
  const code = fromCloud && !anonymous ? (name as string) : (socketCode ?? (status !== undefined ? `HTTP ${status}` : (name as string)));
  const rule = ec2ErrorRule(name, socketCode, status);
  const providerMessage =
    typeof e.message === 'string' && e.message && e.message !== 'Unknown' ? e.message : `answered HTTP ${status ?? '?'} without an EC2 error code`;
  // The code travels in `code` (the API envelopes show it); the message is for humans.
  const message = rule.limit ? `EC2 quota reached (${rule.limit}, ${code}): ${providerMessage}` : `EC2: ${providerMessage}`;
  const details: Record<string, unknown> = {};
  if (rule.limit) details.limit = rule.limit;
  if (e.$metadata?.requestId) details.requestId = e.$metadata.requestId;
  if (e.$metadata?.attempts) details.attempts = e.$metadata.attempts;
  return new DispatcherError(rule.kind, message, {
    code,
    subject: rule.subject,
    cause: err,
    details: Object.keys(details).length > 0 ? details : undefined,
  });
}
