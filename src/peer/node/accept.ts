import { ErrorCode } from '../constants.js';
import type { AttachRequest, TransportSettings } from '../internal.js';

/** Server-side handshakes arrive with the server issue; until then streams are refused. */
export function acceptNodeStream(_stream: unknown, _settings: TransportSettings): Pick<AttachRequest, 'open'> | ErrorCode {
  return ErrorCode.ERR_INVALID_PARAMETER;
}
