import { useSession } from '@varde/web-common';
import { useEffect, useState } from 'react';

/** A published pathway as a choice on a screen: its id (the url's last segment) and title. */
export type PathwayChoice = Readonly<{ id: string; title: string }>;

type PlanDefinitionBundle = { entry?: Array<{ resource: { url: string; title?: string } }> };

/** The active pathways (`GET /fhir/PlanDefinition?status=active`), one per id; the COPD pathway until they are read. */
export function usePathways(): readonly PathwayChoice[] {
  const { api } = useSession();
  const [pathways, setPathways] = useState<readonly PathwayChoice[]>([{ id: 'copd', title: 'KOLS / COPD' }]);
  useEffect(() => {
    let live = true;
    api<PlanDefinitionBundle>('/fhir/PlanDefinition?status=active')
      .then((bundle) => {
        const byId = new Map<string, PathwayChoice>();
        for (const { resource } of bundle.entry ?? []) {
          const id = resource.url.split('/').pop() ?? resource.url;
          byId.set(id, { id, title: resource.title ?? id });
        }
        if (live && byId.size > 0) setPathways([...byId.values()].sort((a, b) => a.title.localeCompare(b.title)));
      })
      // The list is a convenience: without it the COPD pathway is still offered.
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [api]);
  return pathways;
}

/** The pathways as `<option>`s. */
export function PathwayOptions({ pathways }: { pathways: readonly PathwayChoice[] }) {
  return (
    <>
      {pathways.map((pathway) => (
        <option key={pathway.id} value={pathway.id}>
          {pathway.title}
        </option>
      ))}
    </>
  );
}
