/** Converts quantities between UCUM units; a port so the domain stays free of the UCUM library. */
export abstract class UnitConverter {
  /** `value` expressed in `to`, or undefined when `from` is not a UCUM unit or does not convert to `to`. */
  abstract convert(value: number, from: string, to: string): number | undefined;
}
