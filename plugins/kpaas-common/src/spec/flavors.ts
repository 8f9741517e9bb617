/**
 * Kakao Cloud instance flavors kpaas knows the size of, used for resource totals and the
 * control-plane minimum check. Other flavor names are accepted (Kakao has many families);
 * their sizes are then reported as unknown.
 *
 * Assumptions, because no authoritative Kakao table was at hand:
 * - Sizes follow the K-PaaS Lite docs (dasomel/k-paas, "Master t1i.xlarge (4 vCPU, 16GB)" and
 *   its instance-type guide: t1i.large 2/8, t1i.xlarge 4/16, t1i.2xlarge 8/32), i.e. 4 GiB per vCPU.
 * - At least one other public project describes t1i.large as 2 vCPU / 4 GB, so the memory
 *   figures are "as documented by the seed", not verified against the Kakao API. Check with
 *   `kakaocloud_instance_flavors` before relying on totals for capacity planning.
 * - t1i instances are burstable (CPU credits): vCPU counts are not sustained performance.
 */

/** Size of one Kakao Cloud flavor. @public */
export interface KakaoFlavor {
  name: string;
  vcpu: number;
  memoryGiB: number;
}

/** Known Kakao Cloud flavors by name. @public */
export const kakaoFlavors: Readonly<Record<string, KakaoFlavor>> = {
  't1i.large': { name: 't1i.large', vcpu: 2, memoryGiB: 8 },
  't1i.xlarge': { name: 't1i.xlarge', vcpu: 4, memoryGiB: 16 },
  't1i.2xlarge': { name: 't1i.2xlarge', vcpu: 8, memoryGiB: 32 },
};

/** The size of a flavor, or undefined when kpaas does not know it. @public */
export function lookupKakaoFlavor(name: string): KakaoFlavor | undefined {
  return Object.prototype.hasOwnProperty.call(kakaoFlavors, name)
    ? kakaoFlavors[name]
    : undefined;
}

/**
 * Smallest control-plane machine kubeadm accepts: its preflight checks fail below 2 CPUs and
 * about 1.7 GB of memory (rounded up to 2 GiB here).
 * @public
 */
export const CONTROL_PLANE_MINIMUM = { vcpu: 2, memoryGiB: 2 } as const;
