/* net.ipv4.conf files and the kernel's rules for combining `all` with an interface. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "sysctl.h"

static void test_scope_names(void **state)
{
	static const char *good[] = { "all", "default", "eth0", "eth0.100", "br-lan", "a" };
	static const char *bad[] = { "", ".", "..", "../all", "a/b", "eth 0", "0123456789abcdef",
				     "tab\tx" };

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(sysctl_scope_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(sysctl_scope_valid(bad[i]));
	assert_false(sysctl_scope_valid(NULL));
}

static void test_sysctl_names(void **state)
{
	char buf[SYSCTL_NAME_MAX];

	(void)state;
	assert_string_equal(sysctl_name(buf, sizeof(buf), "all", SYSCTL_ARP_IGNORE),
			    "net.ipv4.conf.all.arp_ignore");
	assert_string_equal(sysctl_name(buf, sizeof(buf), "eth0", SYSCTL_DROP_GRATUITOUS_ARP),
			    "net.ipv4.conf.eth0.drop_gratuitous_arp");
	/* A dot in the interface name would split it: sysctl(8) then wants slashes. */
	assert_string_equal(sysctl_name(buf, sizeof(buf), "eth0.100", SYSCTL_ARP_ANNOUNCE),
			    "net/ipv4/conf/eth0.100/arp_announce");
	assert_null(sysctl_name(buf, sizeof(buf), "../x", SYSCTL_ARP_IGNORE));
	assert_null(sysctl_name(buf, 10, "all", SYSCTL_ARP_IGNORE));
	assert_null(sysctl_name(buf, sizeof(buf), "all", SYSCTL_KEY_COUNT));
	assert_string_equal(sysctl_key_name(SYSCTL_RP_FILTER), "rp_filter");
	assert_string_equal(sysctl_key_name(SYSCTL_PROXY_ARP), "proxy_arp");
	assert_string_equal(sysctl_key_name(SYSCTL_ARP_ACCEPT), "arp_accept");
}

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_read_write(void **state)
{
	char root[] = "/tmp/arpkit-sysctl-XXXXXX", path[256];
	int value = -1;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/all", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/all/arp_ignore", root);
	write_text(path, "0\n");

	assert_int_equal(sysctl_read(root, "all", SYSCTL_ARP_IGNORE, &value), 0);
	assert_int_equal(value, 0);
	assert_int_equal(sysctl_write(root, "all", SYSCTL_ARP_IGNORE, 1), 0);
	assert_int_equal(sysctl_read(root, "all", SYSCTL_ARP_IGNORE, &value), 0);
	assert_int_equal(value, 1);

	write_text(path, "junk\n");
	assert_int_equal(sysctl_read(root, "all", SYSCTL_ARP_IGNORE, &value), -EINVAL);
	write_text(path, "2 3\n");
	assert_int_equal(sysctl_read(root, "all", SYSCTL_ARP_IGNORE, &value), -EINVAL);
	write_text(path, "");
	assert_int_equal(sysctl_read(root, "all", SYSCTL_ARP_IGNORE, &value), -EINVAL);

	/* A missing interface is an error, and writing never creates it. */
	assert_int_equal(sysctl_read(root, "eth9", SYSCTL_ARP_IGNORE, &value), -ENOENT);
	assert_int_equal(sysctl_write(root, "eth9", SYSCTL_ARP_IGNORE, 1), -ENOENT);
	assert_int_equal(sysctl_write(root, "all", SYSCTL_ARP_ANNOUNCE, 2), -ENOENT);
	assert_int_equal(sysctl_read(root, "..", SYSCTL_ARP_IGNORE, &value), -EINVAL);
	assert_int_equal(sysctl_write(root, "a/b", SYSCTL_ARP_IGNORE, 1), -EINVAL);

	unlink(path);
	snprintf(path, sizeof(path), "%s/all", root);
	rmdir(path);
	rmdir(root);
}

static void test_ipv6_forwarding(void **state)
{
	char root[] = "/tmp/arpkit-sysctl6-XXXXXX", dir[256], path[300];
	bool forwards = false;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/eth0", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/forwarding", dir);
	write_text(path, "1\n");
	assert_int_equal(sysctl_ipv6_forwarding(root, "eth0", &forwards), 0);
	assert_true(forwards);
	write_text(path, "0\n");
	assert_int_equal(sysctl_ipv6_forwarding(root, "eth0", &forwards), 0);
	assert_false(forwards);
	write_text(path, "yes\n");
	assert_int_equal(sysctl_ipv6_forwarding(root, "eth0", &forwards), -EINVAL);
	assert_int_equal(sysctl_ipv6_forwarding(root, "eth9", &forwards), -ENOENT);
	assert_int_equal(sysctl_ipv6_forwarding(root, "../eth0", &forwards), -EINVAL);
	/* The real file exists wherever the kernel has IPv6. */
	if (access(SYSCTL_CONF6_ROOT "/lo/forwarding", R_OK) == 0)
		assert_int_equal(sysctl_ipv6_forwarding(SYSCTL_CONF6_ROOT, "lo", &forwards), 0);
	unlink(path);
	rmdir(dir);
	rmdir(root);
}

static void test_effective(void **state)
{
	(void)state;
	/* MAXCONF keys: the larger of all and the interface. */
	assert_int_equal(sysctl_effective(SYSCTL_ARP_IGNORE, 0, 1), 1);
	assert_int_equal(sysctl_effective(SYSCTL_ARP_IGNORE, 1, 0), 1);
	assert_int_equal(sysctl_effective(SYSCTL_ARP_IGNORE, 1, 4), 4);
	assert_int_equal(sysctl_effective(SYSCTL_ARP_ANNOUNCE, 2, 1), 2);
	assert_int_equal(sysctl_effective(SYSCTL_RP_FILTER, 1, 2), 2);
	assert_int_equal(sysctl_effective(SYSCTL_RP_FILTER, 1, 0), 1);
	assert_int_equal(sysctl_effective(SYSCTL_ARP_ACCEPT, 0, 2), 2);
	/* ORCONF keys: on when either is. */
	assert_int_equal(sysctl_effective(SYSCTL_PROXY_ARP, 0, 0), 0);
	assert_int_equal(sysctl_effective(SYSCTL_PROXY_ARP, 1, 0), 1);
	assert_int_equal(sysctl_effective(SYSCTL_PROXY_ARP, 0, 5), 1);
	assert_int_equal(sysctl_effective(SYSCTL_DROP_GRATUITOUS_ARP, 1, 0), 1);
}

static void test_hiding_values(void **state)
{
	(void)state;
	/* The kernel's arp_ignore(), for a target held on another device (a VIP on lo). */
	assert_false(sysctl_arp_ignore_hides(0, RT_SCOPE_HOST));
	assert_true(sysctl_arp_ignore_hides(1, RT_SCOPE_UNIVERSE));
	assert_true(sysctl_arp_ignore_hides(2, RT_SCOPE_UNIVERSE));
	assert_true(sysctl_arp_ignore_hides(3, RT_SCOPE_HOST));
	assert_true(sysctl_arp_ignore_hides(3, RT_SCOPE_NOWHERE));
	assert_false(sysctl_arp_ignore_hides(3, RT_SCOPE_UNIVERSE));
	assert_false(sysctl_arp_ignore_hides(3, RT_SCOPE_SITE));
	assert_false(sysctl_arp_ignore_hides(3, RT_SCOPE_LINK));
	for (int reserved = 4; reserved <= 7; reserved++)
		assert_false(sysctl_arp_ignore_hides(reserved, RT_SCOPE_HOST));
	assert_true(sysctl_arp_ignore_hides(8, RT_SCOPE_UNIVERSE));
	assert_false(sysctl_arp_ignore_hides(9, RT_SCOPE_HOST));
	assert_false(sysctl_arp_ignore_hides(-1, RT_SCOPE_HOST));
	assert_string_equal(sysctl_arp_ignore_meaning(3),
			    "replies for any address not of scope host");
	assert_string_equal(sysctl_arp_ignore_meaning(5), "is reserved and replies like 0");
	assert_string_equal(sysctl_arp_ignore_meaning(42),
			    "is unknown to the kernel and replies like 0");

	assert_false(sysctl_arp_announce_hides(0));
	assert_false(sysctl_arp_announce_hides(1));
	assert_true(sysctl_arp_announce_hides(2));
	assert_false(sysctl_arp_announce_hides(3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_names),
		cmocka_unit_test(test_sysctl_names),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_ipv6_forwarding),
		cmocka_unit_test(test_effective),
		cmocka_unit_test(test_hiding_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
