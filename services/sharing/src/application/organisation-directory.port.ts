/** What kind of party an organisation is for sharing: a receiver (municipality, GP office, health trust) or another unit. */
export type OrganisationKind = 'municipality' | 'gp' | 'health-trust' | 'organization';

/** An organisation Varde knows by its organisation number (Enhetsregisteret). */
export type KnownOrganisation = Readonly<{ organisationNumber: string; name: string; kind: OrganisationKind }>;

/** Port: the organisations this trust shares with or lets patients block; a consent naming another is refused (422). */
export abstract class OrganisationDirectory {
  /** The organisation with this number, or undefined when the trust has not registered it. */
  abstract byNumber(organisationNumber: string): KnownOrganisation | undefined;
  /** Every organisation the trust has registered, by name. */
  abstract all(): readonly KnownOrganisation[];
}
