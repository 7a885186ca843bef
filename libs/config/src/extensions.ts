import type { ServiceExtension } from './extension';
import { ledgerBridgeConfig, ledgerBridgeIssues, ledgerBridgeShape, type LedgerBridgeConfig } from './ledger-bridge';
import { marketplaceExtension, type MarketplaceSettings } from './marketplace';
import { mpcCoordinatorExtension, type MpcCoordinatorSettings } from './mpc-coordinator';
import { negotiationExtension, type NegotiationSettings } from './negotiation';
import { provisionerExtension, type ProvisionerSettings } from './provisioner';
import type { ServiceName } from './services';
import { telemetryExtension, type TelemetrySettings } from './telemetry';

/** Each service's own settings, as `config.settings`. */
export interface ServiceSettingsMap {
  marketplace: MarketplaceSettings;
  negotiation: NegotiationSettings;
  'ledger-bridge': LedgerBridgeConfig;
  provisioner: ProvisionerSettings;
  telemetry: TelemetrySettings;
  'mpc-coordinator': MpcCoordinatorSettings;
}

export const EXTENSIONS: { readonly [S in ServiceName]: ServiceExtension<ServiceSettingsMap[S]> } = {
  marketplace: marketplaceExtension,
  negotiation: negotiationExtension,
  'ledger-bridge': { shape: ledgerBridgeShape, issues: ledgerBridgeIssues, build: ledgerBridgeConfig },
  provisioner: provisionerExtension,
  telemetry: telemetryExtension,
  'mpc-coordinator': mpcCoordinatorExtension,
};
