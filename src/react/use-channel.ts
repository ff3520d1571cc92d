/**
 * `useChannel(mux, channel)`: the latest message of a channel, for a React component (README,
 * React). The subscription is React's "external store": made by useSyncExternalStore when the
 * component commits and ended by its cleanup, so StrictMode's double mount leaves one subscription
 * and a concurrent render never shows two components two different "latest" messages.
 */
import { useMemo, useSyncExternalStore } from 'react';
import type { Message } from '../local-channels.js';
import type { AnyChannels, ChannelOf, Mux } from '../mux-types.js';

export interface UseChannelOptions {
  /** While the component is mounted, keep the upstream open when every tab is hidden. */
  readonly keepAliveWhenHidden?: boolean;
}

/** One channel of one mux as a store: the message last delivered, and who to tell. */
interface ChannelStore<T> {
  subscribe(onChange: () => void): () => void;
  latest(): Message<T> | null;
}

/**
 * The channel's latest message, `null` until the first one after the component mounted (and again
 * after `mux` or `channel` changes). `T` is the channel's type in the mux's channel map, or given:
 * `useChannel<Price>(mux, 'prices:AAPL')`.
 */
export function useChannel<T extends Channels[C], Channels extends object = AnyChannels, C extends ChannelOf<Channels> = ChannelOf<Channels>>(
  mux: Mux<Channels>,
  channel: C,
  options?: UseChannelOptions,
): Message<T> | null {
  const keepAliveWhenHidden = options?.keepAliveWhenHidden === true;
  // A new store for a new mux or channel: what the old one held is not this channel's message.
  const store = useMemo(() => channelStore<T, Channels, C>(mux, channel, keepAliveWhenHidden), [mux, channel, keepAliveWhenHidden]);
  return useSyncExternalStore(store.subscribe, store.latest, noMessage);
}

function channelStore<T extends Channels[C], Channels extends object, C extends ChannelOf<Channels>>(mux: Mux<Channels>, channel: C, keepAliveWhenHidden: boolean): ChannelStore<T> {
  let latest: Message<T> | null = null;
  return {
    subscribe(onChange) {
      const subscription = mux.subscribe<T, C>(
        channel,
        (message) => {
          latest = message;
          onChange();
        },
        { keepAliveWhenHidden },
      );
      return () => subscription.unsubscribe();
    },
    latest: () => latest,
  };
}

/** Server rendering: no connection there, so no message yet. */
const noMessage = (): null => null;
