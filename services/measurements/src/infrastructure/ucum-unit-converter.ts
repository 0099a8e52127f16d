import { Injectable } from '@nestjs/common';
import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import { UnitConverter } from '../application/unit-converter';

/** {@link UnitConverter} over the Regenstrief/NLM UCUM library (`@lhncbc/ucum-lhc`). */
@Injectable()
export class UcumUnitConverter extends UnitConverter {
  private readonly ucum = UcumLhcUtils.getInstance();

  convert(value: number, from: string, to: string): number | undefined {
    const result = this.ucum.convertUnitTo(from, value, to);
    if (result.status !== 'succeeded' || typeof result.toVal !== 'number') return undefined;
    // UCUM factors are decimal; 12 significant digits drop binary noise (68.03885550000001) and keep every real digit.
    return Number(result.toVal.toPrecision(12));
  }
}
