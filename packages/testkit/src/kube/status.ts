/*
 * Kubernetes `Status` error bodies, built the way kube-apiserver words them,
 * because clients (kubectl in particular) print and branch on these fields.
 */
import { KubeStatus } from './types';

/** An error that maps directly onto an HTTP status plus a Status body. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly status: KubeStatus;

  constructor(status: KubeStatus) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'KubeApiError';
    this.code = status.code;
    this.status = status;
  }
}

/** Names a resource the way apiserver messages do: `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: KubeStatus['details'],
): KubeStatus {
  const status: KubeStatus = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) status.details = details;
  return status;
}

function resourceDetails(
  gr: GroupResource,
  name?: string,
): KubeStatus['details'] {
  const details: KubeStatus['details'] = {};
  if (name !== undefined) details.name = name;
  if (gr.group) details.group = gr.group;
  details.kind = gr.resource;
  return details;
}

export function notFound(gr: GroupResource, name: string): KubeApiError {
  return new KubeApiError(
    failureStatus(
      404,
      'NotFound',
      `${qualifiedResource(gr)} "${name}" not found`,
      resourceDetails(gr, name),
    ),
  );
}

/** The apiserver's answer for a URL that names no known resource. */
export function resourceNotServed(): KubeApiError {
  return new KubeApiError(
    failureStatus(
      404,
      'NotFound',
      'the server could not find the requested resource',
      {
        causes: [
          { reason: 'UnexpectedServerResponse', message: '404 page not found' },
        ],
      },
    ),
  );
}

export function alreadyExists(gr: GroupResource, name: string): KubeApiError {
  return new KubeApiError(
    failureStatus(
      409,
      'AlreadyExists',
      `${qualifiedResource(gr)} "${name}" already exists`,
      resourceDetails(gr, name),
    ),
  );
}

export function conflict(
  gr: GroupResource,
  name: string,
  why: string,
): KubeApiError {
  return new KubeApiError(
    failureStatus(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(
        gr,
      )} "${name}": ${why}`,
      resourceDetails(gr, name),
    ),
  );
}

export const STALE_OBJECT_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export function invalid(
  gr: GroupResource,
  kind: string,
  name: string,
  causes: Array<{ reason: string; message: string; field: string }>,
): KubeApiError {
  const summary = causes.map(c => `${c.field}: ${c.message}`).join(', ');
  return new KubeApiError(
    failureStatus(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, {
      ...resourceDetails(gr, name),
      causes,
    }),
  );
}

export function badRequest(message: string): KubeApiError {
  return new KubeApiError(failureStatus(400, 'BadRequest', message));
}

export function unauthorized(): KubeApiError {
  return new KubeApiError(failureStatus(401, 'Unauthorized', 'Unauthorized'));
}

export function forbidden(
  user: string,
  verb: string,
  gr: GroupResource,
  namespace: string | undefined,
  name: string | undefined,
): KubeApiError {
  const target = name
    ? `${qualifiedResource(gr)} "${name}"`
    : qualifiedResource(gr);
  const scope = namespace
    ? ` in the namespace "${namespace}"`
    : ' at the cluster scope';
  return new KubeApiError(
    failureStatus(
      403,
      'Forbidden',
      `${target} is forbidden: User "${user}" cannot ${verb} resource "${gr.resource}" in API group "${gr.group}"${scope}`,
      resourceDetails(gr, name),
    ),
  );
}

export function methodNotAllowed(): KubeApiError {
  return new KubeApiError(
    failureStatus(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    ),
  );
}

export function unsupportedMediaType(
  contentType: string,
  accepted: string[],
): KubeApiError {
  return new KubeApiError(
    failureStatus(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(
        ', ',
      )}`,
      {
        causes: [
          {
            message: `unsupported content type ${JSON.stringify(contentType)}`,
          },
        ],
      },
    ),
  );
}

export function gone(message: string): KubeApiError {
  return new KubeApiError(failureStatus(410, 'Expired', message));
}

export function internalError(message: string): KubeApiError {
  return new KubeApiError(
    failureStatus(500, 'InternalError', `Internal error occurred: ${message}`, {
      causes: [{ message }],
    }),
  );
}

export function successStatus(
  gr: GroupResource,
  name: string,
  uid?: string,
): KubeStatus {
  const details = resourceDetails(gr, name)!;
  if (uid) details.uid = uid;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details,
    code: 200,
  };
}
