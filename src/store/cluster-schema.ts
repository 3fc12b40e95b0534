// The tables of migration 0009_clusters, as Kysely sees them (store-schema.ts lists them in Database).
export interface ClustersTable {
  id: string;
  user_id: number | null;
  name: string;
  status: string;
  desired_size: number;
  /** JSON ClusterTemplate */
  template: string;
  /** JSON PlacementPolicy */
  placement: string;
  created_at: string;
  updated_at: string;
}

export interface ClusterMembersTable {
  id: string;
  cluster_id: string;
  cloud: string;
  name: string;
  /** The start's cloud request id: written before the start is sent. */
  request_id: string;
  vm_id: string | null;
  state: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
}

export interface SavedImagesTable {
  cloud: string;
  image_id: string;
  vm_id: string;
  user_id: number | null;
  name: string;
  created_at: string;
}

export interface ClusterTables {
  clusters: ClustersTable;
  cluster_members: ClusterMembersTable;
  saved_images: SavedImagesTable;
}
