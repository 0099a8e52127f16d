export * from './error-mapping';
export * from './operation-outcome';
export * from './problem-details';
export * from './parse-body';
export * from './parse-resource';
export * from './r4-validation';
export * from './fhir-date';
