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
    /**
     * Where kpaas:provision's Terraform installs providers from. Without it Terraform uses the
     * public registry (registry.terraform.io), which air-gapped machines cannot reach.
     */
    terraform?: {
      /**
       * Absolute path of a Terraform CLI configuration file of your own (TF_CLI_CONFIG_FILE),
       * e.g. with a provider_installation block and credentials for a private mirror. Not
       * together with providerMirror.
       */
      cliConfigFile?: string;
      /**
       * Install providers only from this mirror (kpaas writes the CLI configuration): exactly
       * one of `filesystem` (absolute path of a folder filled by `terraform providers mirror
       * <folder>`) or `network` (https URL of a provider network mirror).
       */
      providerMirror?: {
        filesystem?: string;
        network?: string;
      };
      /** Absolute path of a plugin cache shared by the runs (TF_PLUGIN_CACHE_DIR); created if missing. */
      pluginCacheDir?: string;
    };
  };
}
