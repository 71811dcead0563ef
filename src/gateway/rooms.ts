/** Socket.io rooms of the operator namespace. Admins see every inbox, so they share one room. */
export const OPERATOR_NAMESPACE = '/operators';
export const ADMINS_ROOM = 'admins';
export const inboxRoom = (inboxId: number) => `inbox:${inboxId}`;
export const operatorRoom = (operatorId: number) => `operator:${operatorId}`;

/** The rooms an inbox event goes to: everyone who may see that inbox, each socket once. */
export const audienceOf = (inboxId: number) => [inboxRoom(inboxId), ADMINS_ROOM];

/** The visitors' namespace (the embeddable widget); nothing in it can reach the operators' rooms. */
export const WIDGET_NAMESPACE = '/widget';
/** Every widget a visitor has open (tabs, devices of a verified user). */
export const visitorRoom = (inboxId: number, visitorId: string) => `visitor:${inboxId}:${visitorId}`;
/** Every visitor of a widget inbox (operator presence is pushed here). */
export const widgetInboxRoom = (inboxId: number) => `widget:${inboxId}`;
