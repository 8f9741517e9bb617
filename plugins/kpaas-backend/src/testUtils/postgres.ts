// Kept for the tests that import this path; the implementation is in the test kit.
export * from './index';
