import { ensureGoTool, type GoTool } from '../../scripts/tools/go-tools';

/**
 * k6, the benchmarks' load generator: a Go program with no npm distribution we trust, and the project's machines
 * reach package registries only, so it is built from source from the Go module proxy like the other Go tools.
 */
export const K6: GoTool = { name: 'k6', module: 'go.k6.io/k6', version: 'v1.3.0' };

/** The k6 release the benchmark is written against; bump it in {@link K6} and nowhere else. */
export const K6_VERSION = K6.version;

/** Returns the path of a k6 binary (`<repo>/.cache/go-tools/k6-<version>/k6`), building it first when it is missing. */
export const ensureK6 = (): Promise<string> => ensureGoTool(K6);
