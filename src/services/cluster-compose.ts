// Wiring of clusters, placement and images saved from VMs (called by compose.ts).
import type { Tracker } from '../cistern/tracker.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { Store } from '../store/store-open.js';
import { ClusterStore } from '../store/cluster-store.js';
import { SavedImageStore } from '../store/saved-image-store.js';
import { ImageService } from './image-service.js';
import type { OperationStore } from '../store/operation-store.js';
import type { CatalogCache } from './catalog-cache.js';
import { ClusterConvergence } from './cluster-convergence.js';
import { clusterRecovery } from './cluster-recovery.js';
import { ClusterService } from './cluster-service.js';
import type { OperationService, RecoveryHandler } from './operation-service.js';
import { PlacementService } from './placement-service.js';
import type { VmService, WaitOptions } from './vm-service.js';

export interface ClusterServices {
  clusters: ClusterService;
  placement: PlacementService;
  clusterStore: ClusterStore;
  images: ImageService;
  recovery: Record<string, RecoveryHandler>;
}

export function createClusterServices(deps: {
  store: Store;
  pool: CloudPool;
  tracker: Tracker;
  catalog: CatalogCache;
  vms: VmService;
  operations: OperationStore;
  operationService: OperationService;
  wait: WaitOptions;
}): ClusterServices {
  const clusterStore = new ClusterStore(deps.store.db);
  const placement = new PlacementService({ pool: deps.pool, tracker: deps.tracker, catalog: deps.catalog });
  const convergence = new ClusterConvergence({ clusters: clusterStore, operations: deps.operations, vms: deps.vms, placer: placement, tracker: deps.tracker, pool: deps.pool });
  const clusters = new ClusterService({ clusters: clusterStore, convergence, operations: deps.operationService, placer: placement, vms: deps.vms, pool: deps.pool, tracker: deps.tracker, wait: deps.wait });
  const images = new ImageService({ operations: deps.operationService, saved: new SavedImageStore(deps.store.db), catalog: deps.catalog, vms: deps.vms, wait: deps.wait });
  return { clusters, placement, clusterStore, images, recovery: clusterRecovery({ convergence, clusters }) };
}
