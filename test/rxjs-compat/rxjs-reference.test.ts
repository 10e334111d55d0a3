// The same cases against RxJS 7.8's own rxjs/webSocket: proof that they describe RxJS's
// behaviour, except where rxpeer differs on purpose (skipped or told apart in the cases).
import { webSocket } from 'rxjs/webSocket';
import type { webSocket as rxpeerWebSocket } from 'rxpeer/rxjs-compat';
import { describeWebSocketSubject } from './support/behaviour-cases.js';

describeWebSocketSubject('rxjs', webSocket as unknown as typeof rxpeerWebSocket);
