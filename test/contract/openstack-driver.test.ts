import { describeDriverContract } from './driver-contract.js';
import { startOpenstackRig } from '../support/openstack/openstack-rig.js';
import { TEST_IMAGES } from '../support/openstack/openstack-test-server.js';

describeDriverContract('openstack', async () => {
  const rig = await startOpenstackRig();
  return {
    driver: rig.driver,
    imageId: TEST_IMAGES[0].id,
    sizeId: '1',
    keyName: 'default',
    // Nova has no idempotency token for creates.
    idempotentCreate: false,
    close: () => rig.server.close(),
  };
});
