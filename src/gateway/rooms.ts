/** Socket.io rooms of the operator namespace. Admins see every inbox, so they share one room. */
export const OPERATOR_NAMESPACE = '/operators';
export const ADMINS_ROOM = 'admins';
export const inboxRoom = (inboxId: number) => `inbox:${inboxId}`;
export const operatorRoom = (operatorId: number) => `operator:${operatorId}`;

/** The rooms an inbox event goes to: everyone who may see that inbox, each socket once. */
export const audienceOf = (inboxId: number) => [inboxRoom(inboxId), ADMINS_ROOM];
