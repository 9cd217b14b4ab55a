/** Password length limits, shared by the server rules and the forms (no server-only imports here). */

/** Shortest password accepted, in characters (UTF-16 code units, as the browser counts). */
export const PASSWORD_MIN_LENGTH = 10;
/** Longest password accepted, in characters. */
export const PASSWORD_MAX_LENGTH = 256;
