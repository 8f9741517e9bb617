export { HostsField, KPAAS_HOSTS_FIELD } from './HostsField';
export type { HostEntry, HostsFieldProps } from './HostsField';
