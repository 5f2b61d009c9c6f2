/** The admission part of the configuration, in the shape admission's review handler takes. */
import { parsePlatform } from '../admission/platforms.ts';
import type { AdmissionPolicy, RegistryPolicy } from '../admission/policy.ts';
import type { Config } from '../config/config.ts';
import { ConfigError } from '../errors.ts';
import type { Platform } from '../registry/types.ts';

export interface ReviewSettings {
  readonly policy: AdmissionPolicy;
  readonly clusterPlatforms: readonly Platform[];
  readonly deadlineMs: number;
  readonly maxImagesPerReview: number;
}

export function reviewSettingsFrom(config: Config): ReviewSettings {
  const registries: Record<string, RegistryPolicy> = {};
  for (const [host, settings] of Object.entries(config.registries.hosts)) {
    registries[host] = { unauthorizedAs: settings.unauthorizedAs };
  }
  const clusterPlatforms = config.admission.clusterPlatforms.map((text, index) => {
    const platform = parsePlatform(text);
    if (platform === undefined) throw new ConfigError(`admission.clusterPlatforms[${index}]: not os/arch[/variant]`);
    return platform;
  });
  return {
    policy: {
      unauthorized: config.admission.unauthorized,
      unreachable: config.admission.unreachable,
      ownedPods: config.admission.ownedPods,
      ifNotPresentAbsent: config.admission.ifNotPresentAbsent,
      exemptImages: config.admission.exemptImages,
      registries,
    },
    clusterPlatforms,
    deadlineMs: Math.floor(config.webhook.timeoutSeconds * 1000 * config.webhook.budgetFraction),
    maxImagesPerReview: config.admission.maxImagesPerReview,
  };
}
