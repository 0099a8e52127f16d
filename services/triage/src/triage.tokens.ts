/** DI token of the service's {@link Infrastructure} (for the consumer, which starts its own subscription). */
export const TRIAGE_INFRA = Symbol('TRIAGE_INFRA');
