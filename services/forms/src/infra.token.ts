/** DI token of the service's {@link Infrastructure}, for providers that start consumers. */
export const INFRA = Symbol('INFRA');
