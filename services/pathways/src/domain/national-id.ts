// The check lives in @varde/core so the clinician app checks a number as it is typed with the same rules.
export { checkNationalId, type NationalIdCheck, type NationalIdKind } from '@varde/core';
