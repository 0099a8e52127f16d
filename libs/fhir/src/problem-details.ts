import type { FieldIssue } from '@varde/core';

/** RFC 9457 problem details, with the offending fields listed. */
export type ProblemDetails = Readonly<{
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: readonly FieldIssue[];
}>;

/** Builds problem details for an HTTP status. */
export function problemDetails(status: number, title: string, detail: string, errors?: readonly FieldIssue[]): ProblemDetails {
  return { type: 'about:blank', title, status, detail, ...(errors?.length ? { errors } : {}) };
}
