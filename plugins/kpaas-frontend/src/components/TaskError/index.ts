export { TaskError } from './TaskError';
export type { TaskErrorProps } from './TaskError';
export { KpaasTaskPage } from './TaskPage';
export type { KpaasTaskPageProps } from './TaskPage';
