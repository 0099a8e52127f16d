/** The first thing a keyboard user reaches: a link past the header to the main content (WCAG 2.4.1). */
export function SkipLink({ label }: { label: string }) {
  return (
    <a className="skip-link" href="#main">
      {label}
    </a>
  );
}
