// One route table, matched by method and path: exact paths by map lookup, `:name` (one segment) and `*name`
// (the rest) patterns in order.
import type { Method, Route } from './context';
import { invalid } from './fields';

/** A matched route and its decoded path parameters. */
export interface Match {
  route: Route;
  params: Record<string, string>;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(`Malformed percent-encoding in path segment '${segment}'.`);
  }
}

/** Finds the route for a request; path parameters are percent-decoded (`+` stays a plus). */
export class Router {
  private readonly exact = new Map<string, Route>();
  private readonly patterns: { route: Route; segments: string[] }[] = [];

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      if (/[:*]/.test(route.path)) this.patterns.push({ route, segments: route.path.split('/') });
      else this.exact.set(`${route.method} ${route.path}`, route);
    }
  }

  /** The route for `method` and `path` (the part after the API prefix, still percent-encoded). */
  match(method: string, path: string): Match | undefined {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact) return { route: exact, params: {} };
    const parts = path.split('/');
    for (const { route, segments } of this.patterns) {
      if (route.method !== (method as Method)) continue;
      const params = matchSegments(segments, parts);
      if (params) return { route, params };
    }
    return undefined;
  }
}

function matchSegments(segments: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.startsWith('*')) {
      const rest = parts.slice(i).join('/');
      if (!rest) return undefined;
      params[segment.slice(1)] = decode(rest);
      return params;
    }
    if (i >= parts.length) return undefined;
    if (segment.startsWith(':')) {
      if (!parts[i]) return undefined;
      params[segment.slice(1)] = decode(parts[i]);
    } else if (segment !== parts[i]) return undefined;
  }
  return parts.length === segments.length ? params : undefined;
}
