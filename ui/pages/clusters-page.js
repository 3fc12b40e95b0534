// Clusters: the dispatcher has no clusters API yet; this page says so instead of pretending.
import { html } from '../lib/html.js';
import { PageTitle } from '../lib/components.js';

export function ClustersPage() {
  return html`<${PageTitle}>Clusters<//>
    <p class="placeholder" role="note">
      <strong>Not available yet.</strong> The dispatcher has no clusters API; this page will list clusters, their
      members and scale/start/stop/delete them once that API exists. Until then, manage VMs one by one on the VMs page.
    </p>`;
}
