import Title from '@helsenorge/designsystem-react/components/Title';
import { VitalSignPlots } from '@varde/web-common';
import { useTranslation } from 'react-i18next';

/** My measurements as plots, one per vital sign I have measured (and a continuous SpO2 stream as hourly aggregates). */
export function MeasurementsPage({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  return (
    <>
      <Title htmlMarkup="h1" appearance="title2">{t('measurements.title')}</Title>
      <VitalSignPlots patientId={patientId} width={Math.min(window.innerWidth - 32, 720)} />
    </>
  );
}
