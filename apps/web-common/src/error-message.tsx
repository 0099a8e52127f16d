/** A problem the user can act on, announced at once to screen readers; nothing when there is none. */
export function ErrorMessage({ text }: { text: string | undefined }) {
  return text ? (
    <p role="alert" className="hint-bad">
      {text}
    </p>
  ) : null;
}
