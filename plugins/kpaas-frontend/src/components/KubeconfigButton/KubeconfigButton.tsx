import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { kpaasClusterAccessPermission } from '@internal/plugin-kpaas-common';
import { useState } from 'react';
import { kpaasApiRef } from '../../api';

/** Hands `text` to the browser as a file download. */
function saveFile(fileName: string, text: string) {
  const url = URL.createObjectURL(
    new Blob([text], { type: 'application/yaml' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  URL.revokeObjectURL(url);
}

/**
 * "Kubeconfig": downloads the cluster's OIDC kubeconfig (kubelogin exec plugin, no credential
 * inside) with the how-to next to it. Shown only with kpaas.cluster.access on the cluster; the
 * route checks the same permission.
 */
export function KubeconfigButton(props: { clusterName: string }) {
  const { clusterName } = props;
  const { allowed, loading } = usePermission({
    permission: kpaasClusterAccessPermission,
    resourceRef: clusterName,
  });
  const api = useApi(kpaasApiRef);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (loading || !allowed) return null;
  const fileName = `${clusterName}-kubeconfig.yaml`;

  const download = async () => {
    setError(undefined);
    setBusy(true);
    try {
      saveFile(fileName, await api.getKubeconfig(clusterName));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box>
      <Button
        variant="outlined"
        color="primary"
        disabled={busy}
        onClick={download}
      >
        Kubeconfig
      </Button>
      {error && (
        <Typography color="error" variant="body2" role="alert">
          {error}
        </Typography>
      )}
      <Typography variant="body2" component="div">
        Sign in with your Backstage/Keycloak account, no password stored:
        <ol>
          <li>
            Install kubelogin once: <code>kubectl krew install oidc-login</code>{' '}
            (or <code>brew install kubelogin</code>)
          </li>
          <li>Download the kubeconfig with the button above</li>
          <li>
            First login (a browser opens on Keycloak):{' '}
            <code>{`kubectl --kubeconfig ${fileName} get nodes`}</code>
          </li>
        </ol>
      </Typography>
    </Box>
  );
}
