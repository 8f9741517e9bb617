export interface Config {
  kpaas?: {
    /** Settings of the kpaas scaffolder actions (kpaas:provision, kpaas:bootstrap, kpaas:addons). */
    actions?: {
      /**
       * Subjects of service principals (for example `external:ci-bot`) that may start tasks
       * running kpaas actions. Service principals bypass the permission policy, so any other
       * service initiator is refused; users are authorized through the policy.
       */
      servicePrincipals?: string[];
      /** The environment of the processes the actions start (terraform, vagrant). */
      environment?: {
        /**
         * Names of backend environment variables passed on to those processes, in addition to
         * PATH, LANG/LC_ALL/LC_CTYPE, TZ and the proxy variables (HTTP_PROXY, HTTPS_PROXY,
         * NO_PROXY, ALL_PROXY in both cases). Names only, no wildcards; HOME and TMPDIR are
         * per run and cannot be listed. Never list a secret the repository's code must not read.
         */
        passthrough?: string[];
      };
      /**
       * Where the node scripts download from, and the sha256 each download must have (checked
       * with sha256sum -c on the node before use).
       */
      downloads?: {
        helm?: {
          amd64?: { url?: string; sha256?: string };
          arm64?: { url?: string; sha256?: string };
        };
        /** The K-PaaS cp-deployment release archive (installer kpaas-cp); kpaas ships no pin. */
        cpDeployment?: { url?: string; sha256?: string };
      };
    };
  };
}
