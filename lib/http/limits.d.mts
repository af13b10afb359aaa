/** Types of limits.mjs (plain JavaScript, see there why). */
export declare const CODE_BODY_LIMIT: number;
export declare const SESSION_BODY_LIMIT: number;
export declare const MAX_BODY_BYTES: number;
export declare function tooLargeMessage(limit: number): string;
