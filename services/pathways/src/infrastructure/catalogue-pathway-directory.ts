import { Injectable } from '@nestjs/common';
import { ValidationError } from '@varde/core';
import { PathwayDirectory, type PathwayReference } from '../application/pathway-directory.port';
import { PATHWAYS, type PathwayVersion } from '../domain/pathway-catalogue';

/** The pathways built into the service, by id. */
@Injectable()
export class CataloguePathwayDirectory extends PathwayDirectory {
  override resolve(reference: PathwayReference, field = 'pathway'): Promise<PathwayVersion> {
    const pathway = PATHWAYS[reference.pathway];
    if (!pathway) return Promise.reject(ValidationError.field(field, `unknown pathway "${reference.pathway}"; published pathways: ${Object.keys(PATHWAYS).join(', ')}`));
    if (reference.version !== undefined && reference.version !== pathway.version) {
      return Promise.reject(ValidationError.field('version', `pathway "${reference.pathway}" has no published version ${reference.version} (active: ${pathway.version})`));
    }
    return Promise.resolve(pathway);
  }
}
