// Godot's websocket_chat relay on a hub: "[id] connected", "[id] Says: msg" and
// "[id] disconnected" go to every other member of the room, on this node and, with a bus, on
// every other node. Used by `npm run chat -- --nodes 2` (one such server per process).
import { catchError, EMPTY, finalize, mergeMap, type Subscription, tap } from 'rxjs';
import { type Hub, listen } from 'rxpeer';

export interface HubChatOptions {
  port: number;
  bindAddress?: string;
  /** The room every client joins. Default "chat". */
  room?: string;
  onListening?: (port: number) => void;
  /** Hears each line the server logs (joins, messages, leaves). */
  log?: (line: string) => void;
}

const decoder = new TextDecoder();

export function serveHubChat(hub: Hub, options: HubChatOptions): Subscription {
  const { port, bindAddress = '127.0.0.1', room = 'chat', onListening, log = () => {} } = options;
  return listen(port, { bindAddress, protocols: ['demo-chat'], onListening })
    .pipe(
      mergeMap((client) => {
        const id = hub.idOf(client);
        log(`Client ${id} connected`);
        hub.publish(room, `[${id}] connected`);
        hub.join(client, room);
        return client.packets$.pipe(
          tap((packet) => {
            const line = `[${id}] Says: ${packet.text ?? decoder.decode(packet.data)}`;
            log(line);
            hub.publish(room, line, { except: client });
          }),
          catchError(() => EMPTY), // an unclean drop ends this client, not the server
          finalize(() => {
            log(`Client ${id} disconnected`);
            hub.publish(room, `[${id}] disconnected`, { except: client });
          }),
        );
      }),
    )
    .subscribe({ error: (error: unknown) => log(`Server failed: ${String(error)}`) });
}
