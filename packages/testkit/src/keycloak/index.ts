export { startKeycloakAdminStandIn } from './keycloakAdminStandIn';
export type {
  KeycloakAdminStandIn,
  KeycloakAdminStandInOptions,
  KeycloakStandInClient,
  KeycloakStandInRealm,
  KeycloakStandInRequest,
} from './keycloakAdminStandIn';
