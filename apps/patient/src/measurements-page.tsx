import { VitalSignPlots } from '@varde/web-common';
import { useTranslation } from 'react-i18next';

/** My measurements as plots, one per vital sign I have measured (and a continuous SpO2 stream as hourly aggregates). */
export function MeasurementsPage({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  return (
    <>
      <h1>{t('measurements.title')}</h1>
      <VitalSignPlots patientId={patientId} width={Math.min(window.innerWidth - 32, 720)} />
    </>
  );
}
