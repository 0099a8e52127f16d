import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const markerFile = join('varde', 'common', 'v1', 'common.proto');

// Walk up rather than hard-code "../../../proto" so the same code works from src/ and from a build
// output directory, as long as proto/ is shipped at the repository (or image) root.
function findProtoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, markerFile))) return candidate;
    if (dirname(dir) === dir) {
      throw new Error(`@varde/contracts: no proto/${markerFile} above ${start}; ship the proto/ directory with the service`);
    }
  }
}

/** Absolute path of the protobuf module root (the directory holding `varde/`); use as proto-loader `includeDirs`. */
export const protoRoot: string = findProtoRoot(__dirname);

/** Absolute path of the pathways gRPC service definition (`varde.pathways.v1.PathwaysService`). */
export const pathwaysServiceProto: string = join(protoRoot, 'varde', 'pathways', 'v1', 'pathways_service.proto');

/** Absolute path of the sharing gRPC service definition (`varde.sharing.v1.SharingService`). */
export const sharingServiceProto: string = join(protoRoot, 'varde', 'sharing', 'v1', 'sharing_service.proto');

/** Absolute path of the triage gRPC service definition (`varde.triage.v1.TriageService`). */
export const triageServiceProto: string = join(protoRoot, 'varde', 'triage', 'v1', 'triage_service.proto');
