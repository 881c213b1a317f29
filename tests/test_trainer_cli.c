#include "config.h"
#include "testutil.h"
static void t(void **s){(void)s;}
int main(void){const struct CMUnitTest tests[]={cmocka_unit_test(t)};return TU_RUN(tests);}
