import type {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import type { Request } from 'express';

/** The principal the scaffolder's actions call kpaas with. */
export const SCAFFOLDER_SUBJECT = 'plugin:scaffolder';

/** Authorizes the request's caller for `permission`; returns the credentials or throws 403. */
export async function requirePermission(
  deps: { permissions: PermissionsService; httpAuth: HttpAuthService },
  req: Request,
  permission: BasicPermission,
): Promise<BackstageCredentials> {
  const credentials = await deps.httpAuth.credentials(req);
  const [decision] = await deps.permissions.authorize([{ permission }], {
    credentials,
  });
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(`not allowed: ${permission.name}`);
  }
  return credentials;
}

/**
 * Registration and timeline writes: the scaffolder plugin's own service credentials, or a user
 * holding `permission`. Other plugins' service credentials are refused.
 */
export async function requireRegistrar(
  deps: { permissions: PermissionsService; httpAuth: HttpAuthService },
  req: Request,
  permission: BasicPermission,
): Promise<BackstageCredentials> {
  const credentials = await deps.httpAuth.credentials(req, {
    allow: ['user', 'service'],
  });
  if (credentials.principal.type === 'service') {
    if (
      (credentials.principal as { subject: string }).subject ===
      SCAFFOLDER_SUBJECT
    ) {
      return credentials;
    }
    throw new NotAllowedError(
      `only the scaffolder (${SCAFFOLDER_SUBJECT}) or a user with ${permission.name} may do this`,
    );
  }
  const [decision] = await deps.permissions.authorize([{ permission }], {
    credentials,
  });
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(`not allowed: ${permission.name}`);
  }
  return credentials;
}
