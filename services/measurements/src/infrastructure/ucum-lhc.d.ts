// @lhncbc/ucum-lhc ships no types; this declares the one call Varde uses.
declare module '@lhncbc/ucum-lhc' {
  /** Result of a UCUM conversion. */
  export type UcumConversion = { status: 'succeeded' | 'failed' | 'error'; toVal: number | null; msg: string[] };
  /** The UCUM utilities singleton. */
  export class UcumLhcUtils {
    static getInstance(): UcumLhcUtils;
    convertUnitTo(fromUnitCode: string, fromVal: number, toUnitCode: string): UcumConversion;
  }
}
