// The browser client's public surface (README, Client API): re-exports only.
export { connect } from './connect.js';
export type { AnyChannels, ChannelOf, ConnectOptions, Mux, MuxEvents, Subscription, SubscribeOptions } from './mux-types.js';
export type { Message, MessageHandler } from './local-channels.js';
export { SharedEventSource } from './shared-event-source.js';
export type { SharedEventSourceInit } from './shared-event-source.js';
export { TabmuxError } from './errors.js';
export type { ClientErrorCode } from './errors.js';
export type { DebugSnapshot, ChannelSnapshot, OneTabSnapshot, Delivery, HostChoice, HostSkipped, HostKind, HostOption, MuxState, TransportKind, TransportOption } from './hub-protocol/hub-api.js';
// The protocol helpers (ERROR_CODES, channel-name and event-id functions, wire constants) are
// `tabmux/protocol` (dist/protocol.js): a page that only connects must not download them (the
// client's 6 KiB budget, README Size). Their types stay here, where they cost nothing.
export type * from './protocol/index.js';
