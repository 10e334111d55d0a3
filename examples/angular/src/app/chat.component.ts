import { AsyncPipe } from '@angular/common';
import { Component, inject, signal } from '@angular/core';
import { ChatService } from './chat.service';

@Component({
  selector: 'app-root',
  imports: [AsyncPipe],
  template: `
    <h1>rxpeer chat</h1>
    <p>State: <output class="state">{{ chat.state$ | async }}</output></p>
    @if (chat.reconnectIn$ | async; as seconds) {
      <p class="countdown">Reconnecting in {{ seconds }} s…</p>
    }
    <ul class="messages">
      @for (message of chat.messages$ | async; track $index) {
        <li>{{ message }}</li>
      }
    </ul>
    <form (submit)="send(box); $event.preventDefault()">
      <input #box name="message" autocomplete="off" placeholder="Say something" aria-label="Message" />
      <button type="submit">Send</button>
      <output class="sent">{{ lastSend() }}</output>
    </form>
  `,
  styles: `
    .state { font-weight: bold; }
    .countdown { color: #a60; }
  `,
})
export class ChatComponent {
  protected readonly chat = inject(ChatService);
  /** What became of the last message: sent, queued (offline) or dropped. */
  protected readonly lastSend = signal('');

  protected send(box: HTMLInputElement): void {
    if (box.value === '') return;
    this.lastSend.set(this.chat.send(box.value));
    box.value = '';
  }
}
