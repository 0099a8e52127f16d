import NotificationPanel from '@helsenorge/designsystem-react/components/NotificationPanel';
import type { ReactNode } from 'react';

/** A problem the patient can act on (an API error, Varde not answering), in Helsenorge's error panel, announced at once (`role="alert"`). */
export function ErrorNotice({ text }: { text: string | undefined }) {
  return text ? (
    <NotificationPanel variant="error" compactVariant="basic">
      {text}
    </NotificationPanel>
  ) : null;
}

/** What the patient just did was received (a reading sent), in Helsenorge's success panel, read out politely (`role="status"`). */
export function SentNotice({ testId, children }: { testId: string; children: ReactNode }) {
  return (
    <NotificationPanel variant="success" compactVariant="basic" role="status" testId={testId}>
      {children}
    </NotificationPanel>
  );
}
