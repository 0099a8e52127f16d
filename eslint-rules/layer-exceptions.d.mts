/** Types of layer-exceptions.mjs, for the spec. */
export declare const TEMPORARY_LAYER_EXCEPTIONS: readonly { file: string; imports: string }[];
