// rxpeer/rxjs-compat's WebSocketSubject, case by case against a mock WebSocketCtor.
import { webSocket } from 'rxpeer/rxjs-compat';
import { describeWebSocketSubject } from './support/behaviour-cases.js';

describeWebSocketSubject('rxpeer', webSocket);
