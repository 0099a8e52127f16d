import type { MigrationSet } from '@varde/database';
import { baseline } from './0001-baseline.migration';
import { consents } from './0002-consents.migration';
import { auditTimeline } from './0003-audit-timeline.migration';
import { auditDecisions } from './0004-audit-decisions.migration';
import { pmdOutbox } from './0005-pmd-outbox.migration';
import { emergencyAccess } from './0006-emergency-access.migration';
import { guardianships } from './0007-guardianships.migration';
import { pmdIn } from './0008-pmd-in.migration';
import { exchangeCounts } from './0009-exchange-counts.migration';
import { selfCarePlans } from './0010-self-care-plans.migration';
import { pmdBackCatalogue } from './0011-pmd-back-catalogue.migration';
import { emergencyAccessReport } from './0012-emergency-access-report.migration';

/**
 * The sharing service's tables, one versioned step per file in this folder (`NNNN-what.migration.ts`), listed
 * here in order. See docs/adr/0015-schema-migrations.md.
 */
export const sharingMigrations: MigrationSet = {
  name: 'sharing',
  migrations: {
    '0001-baseline': baseline,
    '0002-consents': consents,
    '0003-audit-timeline': auditTimeline,
    '0004-audit-decisions': auditDecisions,
    '0005-pmd-outbox': pmdOutbox,
    '0006-emergency-access': emergencyAccess,
    '0007-guardianships': guardianships,
    '0008-pmd-in': pmdIn,
    '0009-exchange-counts': exchangeCounts,
    '0010-self-care-plans': selfCarePlans,
    '0011-pmd-back-catalogue': pmdBackCatalogue,
    '0012-emergency-access-report': emergencyAccessReport,
  },
};
