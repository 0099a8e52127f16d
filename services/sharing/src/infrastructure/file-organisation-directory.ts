import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from '@varde/config';
import { ValidationError } from '@varde/core';
import { OrganisationDirectory, type KnownOrganisation } from '../application/organisation-directory.port';
import { isOrganisationNumber } from '../domain/organisation-number';

/** The example directory shipped with the service (development and tests); a trust sets SHARING_ORGANISATIONS_FILE. */
export const SHIPPED_ORGANISATIONS_FILE = join(__dirname, '..', '..', 'config', 'organisations.json');

const fileSchema = z.object({
  organisations: z.array(
    z.object({
      organisationNumber: z.string().refine(isOrganisationNumber, 'expected a 9-digit organisation number with a valid check digit'),
      name: z.string().min(1),
      kind: z.enum(['municipality', 'gp', 'health-trust', 'organization']),
    }),
  ),
});

/** {@link OrganisationDirectory} read once from a JSON file (`{ organisations: [{ organisationNumber, name, kind }] }`). */
export class FileOrganisationDirectory extends OrganisationDirectory {
  private readonly byOrgnr: ReadonlyMap<string, KnownOrganisation>;

  constructor(file: string) {
    super();
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      throw new ValidationError(parsed.error.issues.map((i) => ({ field: `${file}: ${i.path.join('.')}`, message: i.message })));
    }
    this.byOrgnr = new Map(parsed.data.organisations.map((o) => [o.organisationNumber, o]));
  }

  override byNumber(organisationNumber: string): KnownOrganisation | undefined {
    return this.byOrgnr.get(organisationNumber);
  }

  override all(): readonly KnownOrganisation[] {
    return [...this.byOrgnr.values()].sort((a, b) => a.name.localeCompare(b.name, 'nb'));
  }
}
