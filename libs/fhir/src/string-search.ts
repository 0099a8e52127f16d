/**
 * Text as FHIR R4's string search compares it: lower case, accents off (é → e, ü → u), with the Norwegian letters
 * å, æ and ø kept as letters of their own (å keeps its ring: it is not an a with an accent in Norwegian).
 */
export const foldForSearch = (text: string): string => text.normalize('NFKD').replace(/[\u0300-\u0309\u030b-\u036f]/g, '').toLocaleLowerCase('nb').normalize('NFC');
